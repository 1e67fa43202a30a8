// TensorFlow.js layers on its plain JavaScript 'cpu' backend: the same code as tfjs-wasm.js.
import { tfjsPeer } from './tfjs-wasm.js';

export default tfjsPeer('cpu');
