// The discrete-event engine. Processors are resources: each runs one compute job at a time and picks
// the next from the requests in flight whose next job for it (in plan order) is ready, by the queue
// policy. Requests are processes: a request walks its job graph (compile.ts) — a compute job waits
// for its inputs and its processor; a delay job (sync + transfer) just takes time. A job's speed is
// re-derived from the cost model whenever what it runs under changes — its processor's clock (DVFS
// and the thermal cap), the share and threads background apps leave it, and the DRAM bandwidth of
// everything running at that moment (the cost model's contention rule, applied to what overlaps) —
// by closing the job's current segment and rescheduling its end. Memory stays bounded: requests
// are pooled, waiting requests are a ring of arrival times, latencies go to histograms, and trace
// events are kept only when asked for.
import type { Device } from '../hardware/schema.js';
import type { TraceEvent } from '../plan/types.js';
import { activePowerW } from '../cost/energy.js';
import { LoadSwitcher, loadTargets } from './background.js';
import type { JobTemplate } from './compile.js';
import { bandwidthKey, SlotCosts } from './costs.js';
import { EventQueue } from './event-queue.js';
import { LatencyHistogram } from './stats.js';
import {
  FREQ_LEVELS,
  FREQ_STEP,
  LoadGovernor,
  levelAtMost,
  stepTemperature,
  thermalCap,
  type ThermalParams,
} from './thermal.js';
import type {
  BackgroundLoad,
  Conditions,
  ModelWorkload,
  QueuePolicy,
  TimelineSample,
  TraceWindow,
} from './types.js';
import { ArrivalStream } from './workload.js';

const EV_ARRIVAL = 0;
const EV_JOB_DONE = 1;
const EV_DELAY_DONE = 2;
const EV_LOAD = 3;
const EV_TICK = 4;

export interface EngineModel {
  name: string;
  template: JobTemplate;
  workload: ModelWorkload;
  /** Deadline after arrival (ms), Infinity = none. */
  deadlineMs: number;
  /** Static single-request latency (evaluatePlan): what late-frame dropping predicts with. */
  predictedMs: number;
}

export interface EngineOptions {
  device: Device;
  models: EngineModel[];
  policy: QueuePolicy;
  conditions: Conditions;
  thermal: ThermalParams;
  durationMs: number;
  drainMs: number;
  tickMs: number;
  sampleEveryMs: number;
  /** Most samples kept: beyond it, neighbours merge and the sampling interval doubles. */
  maxSamples: number;
  seed: number;
  costs: SlotCosts[];
  trace?: TraceWindow;
}

/** One request in flight; pooled per model and reused. */
class Request {
  id = 0;
  arrivalMs = 0;
  deadlineAbsMs = Infinity;
  remaining = 0;
  readonly npredLeft: Int32Array;
  readonly cursor: Int32Array;

  constructor(
    readonly handle: number,
    readonly model: ModelRun,
    procCount: number,
  ) {
    this.npredLeft = new Int32Array(model.template.jobCount);
    this.cursor = new Int32Array(procCount);
  }
}

/** A model's arrivals, queue and statistics. */
class ModelRun {
  readonly template: JobTemplate;
  readonly stream: ArrivalStream;
  // Waiting requests: a ring of (arrival time, id).
  private ringMs = new Float64Array(16);
  private ringId = new Float64Array(16);
  private head = 0;
  waiting = 0;
  inFlight = 0;
  readonly pool: Request[] = [];
  readonly hist = new LatencyHistogram();
  requests = 0;
  completed = 0;
  dropped = 0;
  late = 0;

  constructor(
    readonly index: number,
    readonly spec: EngineModel,
    readonly costs: SlotCosts,
    endMs: number,
    seed: number,
  ) {
    this.template = spec.template;
    this.stream = new ArrivalStream(spec.workload, endMs, seed);
  }

  enqueue(arrivalMs: number, id: number): void {
    if (this.waiting === this.ringMs.length) {
      const n = this.ringMs.length * 2;
      const ms = new Float64Array(n);
      const ids = new Float64Array(n);
      for (let i = 0; i < this.waiting; i++) {
        ms[i] = this.ringMs[(this.head + i) % this.ringMs.length];
        ids[i] = this.ringId[(this.head + i) % this.ringMs.length];
      }
      this.ringMs = ms;
      this.ringId = ids;
      this.head = 0;
    }
    const at = (this.head + this.waiting) % this.ringMs.length;
    this.ringMs[at] = arrivalMs;
    this.ringId[at] = id;
    this.waiting++;
  }

  /** Removes the oldest waiting request; returns its arrival time (its id in `lastId`). */
  dequeue(): number {
    const ms = this.ringMs[this.head];
    this.lastId = this.ringId[this.head];
    this.head = (this.head + 1) % this.ringMs.length;
    this.waiting--;
    return ms;
  }

  lastId = 0;
}

export interface EngineResult {
  models: ModelRun[];
  events: number;
  endMs: number;
  unfinished: number[];
  busyMs: Float64Array;
  inferenceEnergyJ: number;
  idleEnergyJ: number;
  timeline: TimelineSample[];
  maxTemperatureC: number;
  trace?: TraceEvent[];
  overall: LatencyHistogram;
}

export class Engine {
  private readonly q = new EventQueue(1024);
  private now = 0;
  private readonly P: number;
  private readonly procIds: string[];
  private readonly models: ModelRun[];
  private readonly reqTable: Request[] = [];
  private readonly active: Request[] = [];
  private nextRequestId = 0;

  // Per processor: the running job and its current segment.
  private readonly runReq: (Request | null)[];
  private readonly runJob: Int32Array;
  private readonly progress: Float64Array;
  private readonly segStart: Float64Array;
  private readonly rate: Float64Array;
  private readonly powerW: Float64Array;
  private readonly drawGBps: Float64Array;
  /** Memo key and share the running job's rate was last derived under (-1: none yet). */
  private readonly rateKey: Int32Array;
  private readonly rateAvail: Float64Array;
  private readonly version: Int32Array;
  private readonly jobStartMs: Float64Array;
  private totalDrawGBps = 0;

  // Per processor: clock, background share and what it leaves to inference.
  private readonly level: Int32Array;
  private readonly bgShare: Float64Array;
  private readonly threads: Int32Array;
  private readonly avail: Float64Array;
  private readonly isCpu: Uint8Array;
  private readonly cores: Int32Array;
  private readonly governors: LoadGovernor[];
  /** The level each load governor asks for (the thermal cap may allow less). */
  private readonly wanted: Int32Array;

  // Background loads.
  private readonly switchers: LoadSwitcher[];
  private readonly loadProcs: number[][];
  private bgDrawGBps = 0;
  private bgExtraW = 0;
  private bgPowerW = 0;
  private bgSegStart = 0;

  // Accounting.
  private readonly busyMs: Float64Array;
  private readonly tickBusyMs: Float64Array;
  private tickEnergyJ = 0;
  private sampleEnergyJ = 0;
  private sampleCompleted = 0;
  private sampleLatencyMs = 0;
  private inferenceEnergyJ = 0;
  private inFlightTotal = 0;
  private spanStartMs = 0;
  private activeSpanMs = 0;
  private lastTickMs = 0;
  private nextSampleMs = 0;
  private lastSampleMs = 0;
  private tempC: number;
  private maxTempC: number;
  private lastDoneMs = 0;
  private events = 0;
  private readonly timeline: TimelineSample[] = [];
  private sampleEveryMs: number;
  private readonly trace: TraceEvent[] | undefined;
  private readonly overall = new LatencyHistogram();

  constructor(private readonly o: EngineOptions) {
    const { device } = o;
    const P = (this.P = device.processors.length);
    this.procIds = device.processors.map((p) => p.id);
    this.models = o.models.map(
      (m, i) => new ModelRun(i, m, o.costs[i], o.durationMs, (o.seed ^ Math.imul(0x9e3779b9, i + 1)) >>> 0),
    );
    this.runReq = new Array<Request | null>(P).fill(null);
    this.runJob = new Int32Array(P);
    this.progress = new Float64Array(P);
    this.segStart = new Float64Array(P);
    this.rate = new Float64Array(P);
    this.powerW = new Float64Array(P);
    this.drawGBps = new Float64Array(P);
    this.rateKey = new Int32Array(P).fill(-1);
    this.rateAvail = new Float64Array(P);
    this.version = new Int32Array(P);
    this.jobStartMs = new Float64Array(P);
    this.level = new Int32Array(P).fill(FREQ_LEVELS);
    this.bgShare = new Float64Array(P);
    this.threads = new Int32Array(P);
    this.avail = new Float64Array(P).fill(1);
    this.isCpu = Uint8Array.from(device.processors, (p) => (p.kind === 'cpu' ? 1 : 0));
    this.cores = Int32Array.from(device.processors, (p) => Math.max(1, p.cores ?? 1));
    this.governors = device.processors.map((p) => new LoadGovernor(o.conditions.governor, p));
    this.wanted = new Int32Array(P).fill(FREQ_LEVELS);
    this.busyMs = new Float64Array(P);
    this.tickBusyMs = new Float64Array(P);
    this.switchers = o.conditions.loads.map(
      (l, k) => new LoadSwitcher(l, (o.seed + Math.imul(7919, k + 1)) >>> 0),
    );
    this.loadProcs = o.conditions.loads.map((l) => loadTargets(l.target, device));
    this.tempC = this.maxTempC = o.conditions.initialTempC;
    this.trace = o.trace ? [] : undefined;
    this.sampleEveryMs = o.sampleEveryMs;
  }

  run(): EngineResult {
    const { o, q } = this;
    // Clocks start where the thermal cap (at the starting temperature) allows.
    this.applyClocks();
    this.bgPowerW = this.backgroundPowerW();
    this.sample();
    for (const m of this.models) {
      const t = m.stream.next();
      if (t < Infinity) q.push(t, EV_ARRIVAL, m.index, 0);
    }
    this.switchers.forEach((s, k) => {
      const t = s.first();
      if (t < Infinity) q.push(t, EV_LOAD, k, 0);
    });
    q.push(o.tickMs, EV_TICK, 0, 0);
    const hardStopMs = o.durationMs + o.drainMs;
    const top = q.top;
    while (q.pop()) {
      const t = top.timeMs;
      if (t > o.durationMs && !this.pending()) break;
      if (t > hardStopMs) break;
      this.now = t;
      switch (top.kind) {
        case EV_JOB_DONE:
          if (top.b !== this.version[top.a]) continue; // rescheduled since: stale
          this.jobDone(top.a);
          break;
        case EV_DELAY_DONE:
          this.delayDone(this.reqTable[top.a], top.b);
          break;
        case EV_ARRIVAL:
          this.arrival(this.models[top.a]);
          break;
        case EV_LOAD:
          this.toggleLoad(top.a);
          break;
        case EV_TICK:
          this.tick();
          break;
      }
      this.events++;
    }
    const stoppedEarly = this.pending();
    const endMs = stoppedEarly ? hardStopMs : Math.max(o.durationMs, this.lastDoneMs);
    this.now = Math.max(this.now, endMs);
    for (let p = 0; p < this.P; p++) if (this.runReq[p]) this.closeSegment(p);
    if (this.inFlightTotal > 0) this.activeSpanMs += endMs - this.spanStartMs;
    this.accountBackground();
    this.sampleEnergyJ += this.tickEnergyJ;
    if (this.now > this.lastSampleMs) this.sample();
    let idleEnergyJ = 0;
    o.device.processors.forEach((proc, p) => {
      idleEnergyJ += (proc.power.idleW * Math.max(0, this.activeSpanMs - this.busyMs[p])) / 1000;
    });
    const unfinished = this.models.map((m) => m.waiting + m.inFlight);
    return {
      models: this.models,
      events: this.events,
      endMs,
      unfinished,
      busyMs: this.busyMs,
      inferenceEnergyJ: this.inferenceEnergyJ,
      idleEnergyJ,
      timeline: this.timeline,
      maxTemperatureC: this.maxTempC,
      trace: this.trace,
      overall: this.overall,
    };
  }

  private pending(): boolean {
    return this.inFlightTotal > 0 || this.models.some((m) => m.waiting > 0);
  }

  // ---- requests ----------------------------------------------------------------------------------

  private arrival(m: ModelRun): void {
    m.requests++;
    m.enqueue(this.now, this.nextRequestId++);
    const next = m.stream.next();
    if (next < Infinity) this.q.push(next, EV_ARRIVAL, m.index, 0);
    this.admit(m);
    // A full queue sheds its oldest request (a camera keeps the newest frames).
    while (m.waiting > this.o.policy.maxQueue) {
      m.dequeue();
      m.dropped++;
    }
  }

  private admit(m: ModelRun): void {
    const { policy } = this.o;
    while (m.inFlight < policy.maxInFlight && m.waiting > 0) {
      const arrivalMs = m.dequeue();
      const deadlineAbsMs = arrivalMs + m.spec.deadlineMs;
      if (policy.dropLate && this.now + m.spec.predictedMs > deadlineAbsMs) {
        m.dropped++;
        continue;
      }
      this.start(m, arrivalMs, deadlineAbsMs, m.lastId);
    }
  }

  private start(m: ModelRun, arrivalMs: number, deadlineAbsMs: number, id: number): void {
    let r = m.pool.pop();
    if (!r) {
      r = new Request(this.reqTable.length, m, this.P);
      this.reqTable.push(r);
    }
    const t = m.template;
    r.id = id;
    r.arrivalMs = arrivalMs;
    r.deadlineAbsMs = deadlineAbsMs;
    r.remaining = t.jobCount;
    r.npredLeft.set(t.npred);
    r.cursor.fill(0);
    m.inFlight++;
    if (this.inFlightTotal++ === 0) this.spanStartMs = this.now;
    this.active.push(r);
    for (let i = 0; i < t.roots.length; i++) {
      const j = t.roots[i];
      if (t.isCompute[j] === 0) this.startDelay(r, j);
    }
    if (t.jobCount === 0) {
      this.complete(r);
      return;
    }
    for (let p = 0; p < this.P; p++) if (this.runReq[p] === null) this.dispatch(p);
  }

  private complete(r: Request): void {
    const m = r.model;
    const latencyMs = this.now - r.arrivalMs;
    m.hist.add(latencyMs);
    this.overall.add(latencyMs);
    m.completed++;
    this.sampleCompleted++;
    this.sampleLatencyMs += latencyMs;
    if (this.now > r.deadlineAbsMs + 1e-9) m.late++;
    this.lastDoneMs = this.now;
    m.inFlight--;
    if (--this.inFlightTotal === 0) this.activeSpanMs += this.now - this.spanStartMs;
    const i = this.active.indexOf(r);
    this.active[i] = this.active[this.active.length - 1];
    this.active.pop();
    m.pool.push(r);
    this.admit(m);
  }

  /** A job of `r` finished: its successors may become ready. */
  private finishJob(r: Request, j: number): void {
    const t = r.model.template;
    for (let k = t.succStart[j], end = t.succStart[j + 1]; k < end; k++) {
      const s = t.succ[k];
      if (--r.npredLeft[s] === 0) {
        if (t.isCompute[s] === 0) this.startDelay(r, s);
        else if (this.runReq[t.proc[s]] === null) this.dispatch(t.proc[s]);
      }
    }
    if (--r.remaining === 0) this.complete(r);
  }

  private startDelay(r: Request, j: number): void {
    const t = r.model.template;
    const ms = t.delayMs[j];
    this.inferenceEnergyJ += t.delayJ[j];
    this.tickEnergyJ += t.delayJ[j];
    if (this.trace) this.recordDelay(r, j);
    this.q.push(this.now + ms, EV_DELAY_DONE, r.handle, j);
  }

  private delayDone(r: Request, j: number): void {
    this.finishJob(r, j);
  }

  // ---- processors --------------------------------------------------------------------------------

  /** Starts the best ready job on idle processor `p`, if any. */
  private dispatch(p: number): void {
    if (this.runReq[p] !== null || this.avail[p] <= 0) return;
    const order = this.o.policy.order;
    let best: Request | null = null;
    let bestJob = -1;
    for (let i = 0; i < this.active.length; i++) {
      const r = this.active[i];
      const po = r.model.template.procOrder[p];
      const c = r.cursor[p];
      if (c >= po.length) continue;
      const j = po[c];
      if (r.npredLeft[j] !== 0) continue;
      if (best === null || this.before(r, best, order)) {
        best = r;
        bestJob = j;
      }
    }
    if (best !== null) this.startJob(p, best, bestJob);
  }

  /** Whether `a` goes before `b` under the queue order. */
  private before(a: Request, b: Request, order: QueuePolicy['order']): boolean {
    if (order === 'edf' && a.deadlineAbsMs !== b.deadlineAbsMs) return a.deadlineAbsMs < b.deadlineAbsMs;
    if (order === 'priority') {
      const pa = a.model.spec.workload.priority;
      const pb = b.model.spec.workload.priority;
      if (pa !== pb) return pa > pb;
    }
    if (a.arrivalMs !== b.arrivalMs) return a.arrivalMs < b.arrivalMs;
    return a.id < b.id;
  }

  private startJob(p: number, r: Request, j: number): void {
    this.runReq[p] = r;
    this.runJob[p] = j;
    this.progress[p] = 0;
    this.segStart[p] = this.now;
    this.jobStartMs[p] = this.now;
    this.rate[p] = 0;
    this.rateKey[p] = -1;
    this.setDraw(p);
    this.rerate(p);
    this.rerateOthers(p);
  }

  private jobDone(p: number): void {
    this.closeSegment(p);
    const r = this.runReq[p] as Request;
    const j = this.runJob[p];
    if (this.trace) this.record(p, r, j);
    this.runReq[p] = null;
    this.totalDrawGBps -= this.drawGBps[p];
    this.drawGBps[p] = 0;
    this.rate[p] = 0;
    r.cursor[p]++;
    this.finishJob(r, j);
    this.rerateOthers(p);
    if (this.runReq[p] === null) this.dispatch(p);
  }

  /** Accounts the running job's time since its segment started (progress, energy, busy time). */
  private closeSegment(p: number): void {
    const dt = this.now - this.segStart[p];
    if (dt <= 0) return;
    this.segStart[p] = this.now;
    if (this.rate[p] <= 0) return; // paused: the processor is held, not working
    this.progress[p] += dt * this.rate[p];
    const j = (dt * this.powerW[p]) / 1000;
    this.inferenceEnergyJ += j;
    this.tickEnergyJ += j;
    this.busyMs[p] += dt;
    this.tickBusyMs[p] += dt;
  }

  /** The DRAM bandwidth the job on `p` draws: its traffic over its uncontended time at this clock. */
  private setDraw(p: number): void {
    const r = this.runReq[p] as Request;
    const slot = r.model.template.slot[this.runJob[p]];
    // A time-shared processor spreads the same traffic over a longer time.
    const draw = r.model.costs.drawGBps(slot, this.level[p], this.threads[p]) * this.avail[p];
    this.totalDrawGBps += draw - this.drawGBps[p];
    this.drawGBps[p] = draw;
  }

  /** Re-derives the running job's speed on `p` from the conditions now; reschedules its end if changed. */
  private rerate(p: number): void {
    const r = this.runReq[p];
    if (r === null) return;
    this.closeSegment(p);
    const avail = this.avail[p];
    if (avail <= 0) {
      if (this.rate[p] > 0) {
        this.rate[p] = 0;
        this.version[p]++; // paused: no end until the processor is back
      }
      return;
    }
    const t = r.model.template;
    const costs = r.model.costs;
    const j = this.runJob[p];
    const level = this.level[p];
    const threads = this.threads[p];
    const bwKey = bandwidthKey(this.concurrentGBps(p, r, j));
    // Most re-derivations find nothing changed for this job: skip the memo lookup then.
    const key = SlotCosts.key(level, threads, bwKey);
    if (key === this.rateKey[p] && avail === this.rateAvail[p] && this.rate[p] > 0) return;
    this.rateKey[p] = key;
    this.rateAvail[p] = avail;
    costs.lookup(t.slot[j], level, threads, bwKey);
    const latencyMs = costs.latencyMs;
    const rate = latencyMs > 0 ? avail / latencyMs : Infinity;
    if (rate === this.rate[p]) return;
    this.rate[p] = rate;
    this.powerW[p] = costs.powerW * avail;
    const left = Math.max(0, 1 - this.progress[p]);
    this.q.push(this.now + (rate === Infinity ? 0 : left / rate), EV_JOB_DONE, p, ++this.version[p]);
  }

  /**
   * DRAM bandwidth others draw while job `j` of request `r` runs on `p`. Within one request the
   * plan's own overlap is priced exactly as evaluatePlan prices it — the parts of a split node see
   * each other's traffic (as if they overlap throughout), other nodes of the request none — so an
   * idle run reproduces the static prediction the strategies optimised. Everything else that
   * actually runs at the same moment (other requests, other models, background apps) shares the
   * DRAM through the cost model's contention rule.
   */
  private concurrentGBps(p: number, r: Request, j: number): number {
    let others = this.totalDrawGBps - this.drawGBps[p];
    for (let k = 0; k < this.P; k++) if (k !== p && this.runReq[k] === r) others -= this.drawGBps[k];
    return this.bgDrawGBps + (others > 1e-12 ? others : 0) + r.model.template.siblingGBps[j];
  }

  private rerateOthers(p: number): void {
    for (let k = 0; k < this.P; k++) if (k !== p && this.runReq[k] !== null) this.rerate(k);
  }

  private rerateAll(): void {
    for (let k = 0; k < this.P; k++) if (this.runReq[k] !== null) this.setDraw(k);
    for (let k = 0; k < this.P; k++) if (this.runReq[k] !== null) this.rerate(k);
  }

  // ---- background loads --------------------------------------------------------------------------

  private toggleLoad(k: number): void {
    const s = this.switchers[k];
    const l: BackgroundLoad = s.load;
    this.accountBackground();
    const next = s.toggle(this.now);
    const sign = s.on ? 1 : -1;
    for (const p of this.loadProcs[k]) this.bgShare[p] += sign * l.busyShare;
    this.bgDrawGBps = Math.max(
      0,
      this.bgDrawGBps + sign * (l.bandwidthGBps + l.bandwidthShare * this.o.device.memory.bandwidthGBps),
    );
    this.bgExtraW = Math.max(0, this.bgExtraW + sign * l.powerW);
    for (const p of this.loadProcs[k]) this.updateAvailability(p);
    this.bgPowerW = this.backgroundPowerW();
    this.rerateAll();
    for (const p of this.loadProcs[k]) if (this.runReq[p] === null) this.dispatch(p);
    if (next < Infinity) this.q.push(next, EV_LOAD, k, 0);
  }

  private updateAvailability(p: number): void {
    const s = Math.min(1, Math.max(0, this.bgShare[p]));
    if (this.isCpu[p]) {
      // A CPU cluster gives up whole cores; below one free core, the last core is time-shared.
      const cores = this.cores[p];
      const free = cores * (1 - s);
      if (free >= cores - 1e-9) {
        this.threads[p] = 0;
        this.avail[p] = 1;
      } else if (free >= 1 - 1e-9) {
        this.threads[p] = Math.floor(free + 1e-9);
        this.avail[p] = 1;
      } else {
        this.threads[p] = 1;
        this.avail[p] = free > 1e-9 ? free : 0;
      }
    } else {
      // GPU/NPU/DSP: time-sliced between contexts.
      this.threads[p] = 0;
      this.avail[p] = 1 - s > 1e-9 ? 1 - s : 0;
    }
  }

  /** Power of background work and idle processors (W): heat beside the inference jobs' own. */
  private backgroundPowerW(): number {
    let w = this.bgExtraW;
    this.o.device.processors.forEach((proc, p) => {
      const s = Math.min(1, Math.max(0, this.bgShare[p]));
      const f = Math.min(1, this.level[p] * FREQ_STEP);
      w += proc.power.idleW + s * (activePowerW(proc, { freqShare: f }) - proc.power.idleW);
    });
    return w;
  }

  private accountBackground(): void {
    const dt = this.now - this.bgSegStart;
    if (dt > 0) this.tickEnergyJ += (this.bgPowerW * dt) / 1000;
    this.bgSegStart = this.now;
  }

  // ---- DVFS, heat and samples --------------------------------------------------------------------

  private tick(): void {
    const dtMs = this.now - this.lastTickMs;
    for (let p = 0; p < this.P; p++) if (this.runReq[p] !== null) this.closeSegment(p);
    this.accountBackground();
    if (dtMs > 0) {
      const powerW = (this.tickEnergyJ * 1000) / dtMs;
      this.tempC = stepTemperature(this.tempC, powerW, dtMs, this.o.thermal);
      if (this.tempC > this.maxTempC) this.maxTempC = this.tempC;
      this.sampleEnergyJ += this.tickEnergyJ;
    }
    for (let p = 0; p < this.P; p++) {
      // The load governor sees inference and background work alike.
      const util = dtMs > 0 ? Math.min(1, this.tickBusyMs[p] / dtMs + Math.max(0, this.bgShare[p])) : 0;
      this.wanted[p] = this.governors[p].update(util, dtMs);
      this.tickBusyMs[p] = 0;
    }
    if (this.applyClocks()) {
      this.bgPowerW = this.backgroundPowerW();
      this.rerateAll();
    }
    this.tickEnergyJ = 0;
    this.lastTickMs = this.now;
    if (this.now >= this.nextSampleMs) this.sample();
    if (this.now < this.o.durationMs || this.pending()) this.q.push(this.now + this.o.tickMs, EV_TICK, 0, 0);
  }

  /** Sets each processor's level: the governor's request under the thermal cap. True if any changed. */
  private applyClocks(): boolean {
    let changed = false;
    this.o.device.processors.forEach((proc, p) => {
      const cap = this.o.conditions.thermal
        ? levelAtMost(thermalCap(this.tempC, proc, this.o.thermal))
        : FREQ_LEVELS;
      const level = Math.min(cap, this.wanted[p]);
      if (level !== this.level[p]) {
        this.level[p] = level;
        changed = true;
      }
    });
    return changed;
  }

  private sample(): void {
    const freqShare: Record<string, number> = {};
    for (let p = 0; p < this.P; p++) freqShare[this.procIds[p]] = Math.min(1, this.level[p] * FREQ_STEP);
    const dt = this.now - this.lastSampleMs;
    this.timeline.push({
      tMs: this.now,
      temperatureC: this.tempC,
      freqShare,
      powerW: dt > 0 ? (this.sampleEnergyJ * 1000) / dt : this.bgPowerW,
      completed: this.sampleCompleted,
      meanLatencyMs: this.sampleCompleted > 0 ? this.sampleLatencyMs / this.sampleCompleted : 0,
    });
    if (this.timeline.length > this.o.maxSamples) this.thinTimeline();
    this.sampleEnergyJ = 0;
    this.sampleCompleted = 0;
    this.sampleLatencyMs = 0;
    this.lastSampleMs = this.now;
    this.nextSampleMs = this.now + this.sampleEveryMs;
  }

  /** Halves the samples (merging neighbours) and the sampling rate: the timeline stays bounded. */
  private thinTimeline(): void {
    const t = this.timeline;
    const merged: TimelineSample[] = [t[0]];
    for (let i = 1; i < t.length; i += 2) {
      const a = t[i];
      const b = t[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      const prev = t[i - 1].tMs;
      const span = b.tMs - prev;
      const completed = a.completed + b.completed;
      merged.push({
        ...b,
        powerW: span > 0 ? (a.powerW * (a.tMs - prev) + b.powerW * (b.tMs - a.tMs)) / span : b.powerW,
        completed,
        meanLatencyMs:
          completed > 0 ? (a.meanLatencyMs * a.completed + b.meanLatencyMs * b.completed) / completed : 0,
      });
    }
    this.timeline.length = 0;
    this.timeline.push(...merged);
    this.sampleEveryMs *= 2;
  }

  // ---- trace -------------------------------------------------------------------------------------

  private keep(startMs: number, endMs: number): boolean {
    const w = this.o.trace;
    return w !== undefined && endMs >= w.fromMs && startMs <= w.toMs;
  }

  private record(p: number, r: Request, j: number): void {
    const startMs = this.jobStartMs[p];
    if (!this.trace || !this.keep(startMs, this.now)) return;
    this.trace.push({
      proc: this.procIds[p],
      kind: 'compute',
      node: r.model.template.nodeId[j],
      request: r.id,
      startMs,
      endMs: this.now,
    });
  }

  private recordDelay(r: Request, j: number): void {
    const t = r.model.template;
    const startMs = this.now;
    const syncEnd = startMs + t.delaySyncMs[j];
    const endMs = startMs + t.delayMs[j];
    if (!this.trace) return;
    const to = this.procIds[t.proc[j]];
    if (this.keep(startMs, syncEnd)) {
      this.trace.push({ proc: to, kind: 'sync', node: t.nodeId[j], request: r.id, startMs, endMs: syncEnd });
    }
    if (this.keep(syncEnd, endMs)) {
      this.trace.push({
        proc: `${this.procIds[t.fromProc[j]]}→${to}`,
        kind: 'transfer',
        node: t.nodeId[j],
        request: r.id,
        startMs: syncEnd,
        endMs,
      });
    }
  }
}
