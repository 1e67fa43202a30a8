// onnxruntime-web on two threads: peers/ort.js with ort.env.wasm.numThreads = 2 (and the
// session's intraOpNumThreads = 2), in a process of its own. Whether it really threads in this
// runtime is measured, not assumed: each result carries ORT's numThreads after the first run, the
// OS threads it added (Linux) and the CPU time ÷ wall time of the measurement (run.js).
import { ortPeer } from './ort.js';

export default ortPeer({ id: 'ort-threads', label: 'onnxruntime-web, 2 threads', threads: 2 });
