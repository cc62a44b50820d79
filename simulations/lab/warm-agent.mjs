// Starts `meshnode <args>` in two steps: load the code now, run it when a
// line arrives on stdin. A restart then takes milliseconds instead of Node's
// start-up (about a second on a busy machine), which is what lets the lab
// restart an agent before any peer has noticed it was gone.
//
//   node warm-agent.mjs agent --id ... (prints "warm: ready" on stderr once loaded)
import { createInterface } from 'node:readline';

const { main } = await import('../../dist/cli/main.js');
const input = createInterface({ input: process.stdin });
input.once('line', () => {
  input.close();
  main(process.argv).catch((error) => {
    process.stderr.write(`warm: ${error?.stack ?? error}\n`);
    process.exit(1);
  });
});
process.stderr.write('warm: ready\n');
