import { describe, expect, it } from 'vitest';
import { getDevice, listDevices } from '../../src/hardware/catalog.js';
import { renderDevice, renderDeviceTable } from '../../src/cli/device-format.js';

describe('renderDeviceTable', () => {
  it('lists every device with its key numbers, estimates marked', () => {
    const text = renderDeviceTable(listDevices());
    const lines = text.split('\n');
    expect(lines).toHaveLength(listDevices().length + 2);
    expect(lines[0]).toMatch(/^id\s+soc\s+year/);
    expect(text).toMatch(
      /sd855\s+SM8150\s+2018\s+1xA76@2\.84 \+ 3xA76@2\.42 \+ 4xA55@1\.80\s+Adreno 640\s+899\/~1798/,
    );
    expect(text).toMatch(/sd888 .* 26\.0 +LPDDR5 +51\.2/);
    expect(text).toContain('~ = estimated');
  });
});

describe('renderDevice', () => {
  it('shows each number with its source id or its reasoning, and the bibliography', () => {
    const text = renderDevice(getDevice('sd8gen2'));
    expect(text).toMatch(/^Qualcomm Snapdragon 8 Gen 2 \(sd8gen2, SM8550-AB, Qualcomm, 2022\)/);
    expect(text).toMatch(/power active\s+7\.50 W\s+\[nbc-8gen2-gpu\]/);
    expect(text).toMatch(/peak int8\s+~52000 GOPS\s+estimated: Qualcomm publishes no TOPS/);
    expect(text).toContain('[phoneworld-8gen2] Snapdragon 8 Gen 2 is now official');
    expect(text).toContain('boundary');
  });
});
