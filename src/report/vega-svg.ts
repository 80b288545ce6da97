// Vega-Lite spec → standalone SVG, rendered headlessly (no canvas, no browser, no network). Vega is
// loaded on first use (it is large). Every chart of the report goes through here.
import type { TopLevelSpec } from 'vega-lite';

export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
