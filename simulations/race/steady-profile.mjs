// A CPU profile of the steady window alone (node --cpu-prof covers the whole
// process, where the join dominates): hooks for runMeshnode that start V8's
// sampling profiler when the window opens and write a .cpuprofile (readable
// by Chrome DevTools or any cpuprofile reader) when it closes.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export function steadyProfileHooks(file) {
  const session = new Session();
  return {
    start: async () => {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    end: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      console.error(`steady-window CPU profile: ${file}`);
    },
  };
}
