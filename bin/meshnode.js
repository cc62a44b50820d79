#!/usr/bin/env node
// The meshnode CLI; the build (npm run build) puts the code in dist/.
import { main } from '../dist/cli/main.js';

await main(process.argv);
