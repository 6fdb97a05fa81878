import type { DatasetConfig } from '../../domain/trial-config.js';
import type { ModelShape } from '../models/vgg.js';
import { CIFAR10_CLASSES } from './cifar10.js';
import { FASHION_MNIST_CLASSES } from './fashion-mnist.js';

/** A dataset's image shape and class count as its config declares them, without loading it (spec-time checks). */
export function declaredShape(dataset: DatasetConfig): ModelShape {
  switch (dataset.name) {
    case 'fashion-mnist':
      return { inputShape: [28, 28, 1], numClasses: FASHION_MNIST_CLASSES.length };
    case 'cifar10':
      return { inputShape: [32, 32, 3], numClasses: CIFAR10_CLASSES.length };
    case 'synthetic': {
      const s = dataset.synthetic;
      if (!s) throw new Error('a synthetic dataset config without its options');
      return { inputShape: [s.height, s.width, s.channels], numClasses: s.classes };
    }
  }
}
