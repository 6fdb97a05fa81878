import type { TrialView } from '../types.js';
import { esc } from './escape.js';
import { pngDataUri } from './png.js';

/**
 * A grid of the trial's sample validation images with true and predicted labels. `sampleImages.pixels[i]`
 * belongs to `samples[i]`.
 */
export function sampleImagesHtml(trial: TrialView): string {
  const samples = trial.samples ?? [];
  const images = trial.sampleImages;
  if (samples.length === 0 || images === undefined) return '<p class="muted">No sample predictions recorded.</p>';
  const [h, w, c] = images.shape;
  const name = (i: number): string => trial.classNames?.[i] ?? `class ${i}`;
  const figures = samples.map((s, i) => {
    const pixels = images.pixels[i];
    const correct = s.label === s.predicted;
    const confidence = s.probabilities[s.predicted];
    let picture: string;
    try {
      if (pixels === undefined) throw new Error('no pixels recorded for this sample');
      picture = `<img class="sample" src="${pngDataUri(w, h, c, pixels)}" width="${w}" height="${h}" alt="${esc(`validation image ${s.index}`)}">`;
    } catch (e) {
      picture = `<div class="sample missing" title="${esc((e as Error).message)}">?</div>`;
    }
    return (
      `<figure class="${correct ? 'ok' : 'wrong'}">${picture}<figcaption>` +
      `<span>true: ${esc(name(s.label))}</span><span>pred: ${esc(name(s.predicted))}` +
      `${confidence === undefined ? '' : ` (${(confidence * 100).toFixed(0)}\u00a0%)`}</span></figcaption></figure>`
    );
  });
  return `<div class="samples">${figures.join('')}</div>`;
}
