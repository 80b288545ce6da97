// HTML building blocks of the study report: escaping and the page frame. Every string that comes
// from a model file, a spec or the database passes through `escapeHtml` (text and attribute values);
// SVG comes from Vega, which escapes the text it writes.
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A figure: an inline SVG chart with its caption. */
export function figure(svg: string, caption: string, id: string): string {
  // Drop the XML prolog if any: inline SVG in HTML must start at <svg.
  const inline = svg.replace(/^<\?xml[^>]*>\s*/, '');
  return `<figure class="chart" id="${escapeHtml(id)}">${inline}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** A small table of query rows (strings escaped, numbers shortened). */
export function rowsTable(rows: readonly Record<string, string | number | boolean | null>[]): string {
  if (rows.length === 0) return '<p class="empty">(no rows)</p>';
  const columns = Object.keys(rows[0]);
  const cell = (v: string | number | boolean | null): string =>
    v === null
      ? ''
      : typeof v === 'number' && !Number.isInteger(v)
        ? String(Number(v.toPrecision(6)))
        : String(v);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${columns.map((c) => `<td>${escapeHtml(cell(r[c] ?? null))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
figure.chart { margin: 1.5rem 0; overflow-x: auto; } figcaption { color: #555; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.8rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
ol.findings > li { margin-bottom: 1rem; } data { font-weight: 600; }
pre.sql { background: #f6f6f6; padding: 0.5rem; font-size: 0.75rem; overflow-x: auto; white-space: pre-wrap; }
.note { color: #666; font-size: 0.9rem; }
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
