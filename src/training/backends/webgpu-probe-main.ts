// A child process that probes for a WebGPU adapter and prints the result as one JSON line on stdout. Dawn's
// native warnings (e.g. "Couldn't load Vulkan") go to this process's stderr, which its parent captures
// (see quiet-probe.ts). Argument: "software" to accept a software adapter.
import { probeWebGpu } from './webgpu.js';

const probe = await probeWebGpu(process.argv[2] === 'software');
process.stdout.write(JSON.stringify(probe) + '\n');
// Dawn may keep handles open: the answer is written, so end now.
process.exit(0);
