// Text rendering of devices for `hetero devices [id]`. Estimated numbers are marked with "~" so a reader can tell
// a measured or published figure from a derived one.
import type { Device, Processor, Provenance } from '../hardware/schema.js';
import { table } from './format.js';

function isEstimated(device: Device, path: string): boolean {
  return device.provenance[path]?.estimated === true;
}

function num(value: number, digits: number): string {
  return Number.isInteger(value) && digits === 0 ? String(value) : value.toFixed(digits);
}

/** "2.84" or "~2.84" for an estimate. */
function show(device: Device, path: string, value: number | undefined, digits = 0): string {
  if (value === undefined) return '-';
  return `${isEstimated(device, path) ? '~' : ''}${num(value, digits)}`;
}

function cpuSummary(device: Device): string {
  return device.processors
    .filter((p) => p.kind === 'cpu')
    .map((p) => `${p.cores ?? 1}x${shortCore(p.name)}@${(p.freqMHz.max / 1000).toFixed(2)}`)
    .join(' + ');
}

/** "Cortex-A76 (Kryo 485 Gold)" → "A76"; "Cortex-A715 + Cortex-A710 (…)" → "A715/A710". */
function shortCore(name: string): string {
  const cores = [...name.matchAll(/Cortex-([A-Z]\d+)/g)].map((m) => m[1]);
  return cores.length > 0 ? cores.join('/') : name;
}

function accelerator(device: Device): Processor | undefined {
  return device.processors.find((p) => p.kind === 'npu' || p.kind === 'dsp');
}

/** One line per device: CPU clusters, GPU and NPU peaks, DRAM. */
export function renderDeviceTable(devices: Device[]): string {
  const header = [
    'id',
    'soc',
    'year',
    'cpu (cores x core@GHz)',
    'gpu',
    'fp32/fp16 GFLOPS',
    'npu/dsp',
    'int8 TOPS',
    'dram',
    'GB/s',
  ];
  const rows = devices.map((d) => {
    const gpu = d.processors.find((p) => p.kind === 'gpu');
    const npu = accelerator(d);
    const gpuPath = `processors.${gpu?.id ?? 'gpu'}.peakGflops`;
    const npuPath = `processors.${npu?.id ?? 'npu'}.peakGflops.int8`;
    const int8 = npu?.peakGflops.int8;
    return [
      d.id,
      d.soc,
      String(d.year),
      cpuSummary(d),
      gpu?.name ?? '-',
      gpu
        ? `${show(d, `${gpuPath}.float32`, gpu.peakGflops.float32)}/${show(d, `${gpuPath}.float16`, gpu.peakGflops.float16)}`
        : '-',
      npu?.name.replace(/\s*\(.*\)$/, '') ?? '-',
      int8 === undefined ? '-' : show(d, npuPath, int8 / 1000, 1),
      d.memory.type,
      show(d, 'memory.bandwidthGBps', d.memory.bandwidthGBps, 1),
    ];
  });
  return `${table([header, ...rows])}\n(~ = estimated; see \`hetero devices <id>\` for the reasoning)`;
}

function provenanceText(p: Provenance | undefined): string {
  if (!p) return '';
  if (p.estimated) return `estimated: ${p.reasoning ?? ''}`;
  const src = p.source && 'id' in p.source ? `[${p.source.id}]` : (p.source?.url ?? '');
  return p.note ? `${src} (${p.note})` : src;
}

function line(
  device: Device,
  label: string,
  path: string,
  value: number | undefined,
  unit: string,
  digits = 0,
): string {
  if (value === undefined) return '';
  return (
    `    ${label.padEnd(18)} ${show(device, path, value, digits)} ${unit}`.padEnd(48) +
    provenanceText(device.provenance[path])
  );
}

function renderProcessor(device: Device, p: Processor): string {
  const base = `processors.${p.id}`;
  const lines = [
    `  ${p.id} — ${p.kind.toUpperCase()} ${p.name}`,
    line(device, 'cores', `${base}.cores`, p.cores, ''),
    line(device, 'max clock', `${base}.freqMHz.max`, p.freqMHz.max, 'MHz'),
    ...Object.entries(p.peakGflops).map(([dtype, v]) =>
      line(
        device,
        `peak ${dtype}`,
        `${base}.peakGflops.${dtype}`,
        v,
        dtype.startsWith('float') ? 'GFLOPS' : 'GOPS',
      ),
    ),
    line(device, 'memory bandwidth', `${base}.memBandwidthGBps`, p.memBandwidthGBps, 'GB/s', 1),
    line(device, 'dispatch', `${base}.dispatchUs`, p.dispatchUs, 'us'),
    line(device, 'power idle', `${base}.power.idleW`, p.power.idleW, 'W', 2),
    line(device, 'power active', `${base}.power.activeW`, p.power.activeW, 'W', 2),
    line(device, 'sustained freq', `${base}.sustained.freqShare`, p.sustained?.freqShare, 'x peak', 2),
    line(device, 'sustained gflops', `${base}.sustained.gflopsShare`, p.sustained?.gflopsShare, 'x peak', 2),
    `    runtime            ${p.supports.runtime}, dtypes ${p.supports.dtypes.join('/')}`,
  ];
  if (p.supports.boundary) lines.push(`    boundary           ${p.supports.boundary}`);
  return lines.filter((l) => l !== '').join('\n');
}

/** Full detail of one device, every number with its source or its estimate's reasoning. */
export function renderDevice(device: Device): string {
  const m = device.memory;
  const t = device.thermal;
  const parts = [
    `${device.name} (${device.id}, ${device.soc}, ${device.vendor}, ${device.year})`,
    ...(device.notes ? [device.notes] : []),
    '',
    ...device.processors.map((p) => renderProcessor(device, p)),
    '',
    `  memory — ${m.type}, unified`,
    line(device, 'channels', 'memory.channels', m.channels, 'x 16-bit'),
    line(device, 'data rate', 'memory.dataRateMTps', m.dataRateMTps, 'MT/s'),
    line(device, 'bandwidth', 'memory.bandwidthGBps', m.bandwidthGBps, 'GB/s', 1),
    line(device, 'capacity', 'memory.capacityMB', m.capacityMB, 'MB'),
    '  thermal',
    line(device, 'sustained power', 'thermal.sustainedPowerW', t.sustainedPowerW, 'W', 1),
    line(device, 'max skin temp', 'thermal.maxSkinTempC', t.maxSkinTempC, 'C'),
    line(device, 'throttle start', 'thermal.throttleStartTempC', t.throttleStartTempC, 'C'),
    line(device, 'resistance', 'thermal.thermalResistanceCPerW', t.thermalResistanceCPerW, 'C/W', 1),
    line(device, 'capacitance', 'thermal.thermalCapacitanceJPerC', t.thermalCapacitanceJPerC, 'J/C'),
    '',
    'sources',
    ...device.sources.map((s) => `  [${s.id}] ${s.title}\n      ${s.url}`),
  ];
  return parts.filter((l) => l !== '').join('\n');
}
