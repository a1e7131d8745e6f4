// A TypeScript consumer of the installed package (tsconfig.json: strict, module and
// moduleResolution nodenext, skipLibCheck). The @ts-expect-error lines fail the check if the
// package's types degrade to `any` or lose a field.
import { AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments, torch, type BatchEncoding } from 'finetune';

type Tensor = torch.Tensor;

const x: Tensor = torch.zeros([2, 3]);
const shape: number[] = x.shape;
const tokenizer = await AutoTokenizer.fromPretrained('tokenizer-dir');
const batch: BatchEncoding<Tensor> = await tokenizer(['a', 'b'], undefined, { padding: true, returnTensors: 'pt' });
const ids: Tensor = batch.input_ids;
const model = await AutoModelForSequenceClassification.fromPretrained('model-dir', { numLabels: 2 });
const args = new TrainingArguments('out', { numTrainEpochs: 1, learningRate: 2e-5 });
const trainer = new Trainer({ model, args });
const epochs: number = args.numTrainEpochs;

// @ts-expect-error shape is number[], not a string
const wrong: string = x.shape;
// @ts-expect-error TrainingArguments has no such field
args.noSuchField;
// @ts-expect-error input_ids is a Tensor under returnTensors: 'pt'
const notANumber: number = batch.input_ids;

export { shape, ids, trainer, epochs, wrong, notANumber };
