// The messages from_pretrained logs about a checkpoint, in transformers' wording: weights not
// used, weights newly initialised (missing or of another shape), and checkpoints of another
// architecture.
import { logger } from './logging.js';
import type { LoadingInfo } from './modeling_utils.js';

/** Python's repr of a list of names, as transformers prints them. */
const pyList = (names: string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;
const torchSize = (shape: number[]) => `torch.Size([${shape.join(', ')}])`;

/** transformers' loading messages, logged as warnings (info when all is well) and returned. */
export function reportLoading(cls: string, prefix: string, info: LoadingInfo, source: string, nothingMatched: boolean): string {
  const messages: string[] = [];
  if (info.unexpectedKeys.length > 0) {
    messages.push(`Some weights of the model checkpoint at ${source} were not used when initializing ${cls}: ${pyList(info.unexpectedKeys)}\n` +
      `- This IS expected if you are initializing ${cls} from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n` +
      `- This IS NOT expected if you are initializing ${cls} from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).`);
  } else {
    logger.info(`All model checkpoint weights were used when initializing ${cls}.\n`);
  }
  if (info.missingKeys.length > 0) {
    messages.push(`Some weights of ${cls} were not initialized from the model checkpoint at ${source} and are newly initialized: ${pyList(info.missingKeys)}\n` +
      'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
  }
  if (info.mismatchedKeys.length > 0) {
    const lines = info.mismatchedKeys.map((m) => `- ${m.key}: found shape ${torchSize(m.checkpointShape)} in the checkpoint and ${torchSize(m.modelShape)} in the model instantiated`);
    messages.push(`Some weights of ${cls} were not initialized from the model checkpoint at ${source} and are newly initialized because the shapes did not match:\n${lines.join('\n')}\n` +
      'You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.');
  }
  if (nothingMatched) {
    messages.push(`None of the checkpoint's weights fit ${cls} (weight names start with '${prefix}.' or a base model's names): is the checkpoint of another architecture?`);
  }
  if (info.missingKeys.length === 0 && info.mismatchedKeys.length === 0) {
    logger.info(`All the weights of ${cls} were initialized from the model checkpoint at ${source}.\n` +
      `If your task is similar to the task the model of the checkpoint was trained on, you can already use ${cls} for predictions without further training.`);
  }
  for (const m of messages) logger.warning(m);
  return messages.join('\n');
}
