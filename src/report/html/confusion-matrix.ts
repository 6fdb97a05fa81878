import { esc } from './escape.js';
import { heat } from './palette.js';

/** Heatmap of a [true][predicted] count matrix; colour is the row-normalized share, text the count. */
export function confusionMatrixSvg(matrix: number[][], classNames: readonly string[]): string {
  const k = matrix.length;
  const name = (i: number): string => classNames[i] ?? String(i);
  const cell = Math.max(26, Math.min(44, Math.floor(440 / Math.max(k, 1))));
  const labelWidth = 110;
  const longestName = Math.max(1, ...Array.from({ length: k }, (_, i) => name(i).length));
  const top = 24 + Math.min(110, Math.ceil(longestName * 5.5));
  const width = labelWidth + k * cell + 20;
  const height = top + k * cell + 40;
  const parts = [`<svg class="chart confusion" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="confusion matrix">`];
  matrix.forEach((row, r) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, c) => {
      const share = total > 0 ? count / total : 0;
      const x = labelWidth + c * cell;
      const y = top + r * cell;
      parts.push(
        `<rect class="cm-cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${heat(share)}"><title>${esc(
          `true ${name(r)}, predicted ${name(c)}: ${count} (${(share * 100).toFixed(1)} % of row)`,
        )}</title></rect>`,
      );
      parts.push(
        `<text class="cm-count" x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="middle" fill="${share > 0.5 ? '#fff' : '#222'}">${count}</text>`,
      );
    });
    parts.push(`<text class="cm-label" x="${labelWidth - 6}" y="${top + r * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(name(r))}</text>`);
  });
  for (let c = 0; c < k; c++) {
    const x = labelWidth + c * cell + cell / 2;
    parts.push(`<text class="cm-label" transform="translate(${x} ${top - 6}) rotate(-55)">${esc(name(c))}</text>`);
  }
  parts.push(`<text class="axis-label" x="${labelWidth + (k * cell) / 2}" y="${height - 12}" text-anchor="middle">predicted</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${top + (k * cell) / 2}) rotate(-90)" text-anchor="middle">true</text>`);
  parts.push('</svg>');
  return parts.join('');
}
