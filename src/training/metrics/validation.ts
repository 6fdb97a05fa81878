import { microAuc } from './auc.js';
import { accuracyOf, confusionMatrix, crossEntropy, perClassAccuracy } from './classification.js';

export interface ValidationMetrics {
  val_loss: number;
  val_accuracy: number;
  val_auc: number;
  confusionMatrix: number[][];
  perClassAccuracy: number[];
}

export function validationMetrics(labels: Uint8Array, probabilities: Float32Array, numClasses: number): ValidationMetrics {
  if (labels.length === 0) throw new Error('validation split is empty; give the dataset at least one validation image');
  const matrix = confusionMatrix(labels, probabilities, numClasses);
  return {
    val_loss: crossEntropy(labels, probabilities, numClasses),
    val_accuracy: accuracyOf(matrix),
    val_auc: microAuc(labels, probabilities, numClasses),
    confusionMatrix: matrix,
    perClassAccuracy: perClassAccuracy(matrix),
  };
}
