// Entry of the journal worker (bundled by scripts/build-web.sh into
// build-web/dist/fabric-journal-worker.js, next to fabric.js, which starts it as a module
// Worker). journal-worker.js has the protocol.
import { serveJournal } from './journal-worker.js';

serveJournal(self, () => navigator.storage.getDirectory());
