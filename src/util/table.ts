// veristat-style plain tables: a header, a dashed rule, aligned columns,
// no borders and no colours.

import Table from 'cli-table3';

export type Align = 'left' | 'right';

export interface Column {
  title: string;
  align?: Align;
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '  ',
};

export function renderTable(columns: Column[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => columns.map((_c, i) => String(r[i] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const table = new Table({
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: columns.map((c) => c.align ?? 'left'),
    wordWrap: false,
  });
  table.push(columns.map((c) => c.title));
  table.push(widths.map((w) => '-'.repeat(w)));
  for (const r of cells) table.push(r);
  // cli-table3 pads every cell; trailing spaces are noise in diffs.
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
}
