// Splits a byte stream into '\n'-terminated lines with a hard bound on line length:
// an over-long line is reported once and its bytes dropped up to the next '\n', so
// whoever writes to us never controls how much we buffer (STYLE.md §5).

/**
 * Feeds `readable`'s data to `onLine(text)` per complete line (without the '\n', with a
 * trailing '\r' removed) and calls `onOverflow(droppedBytes)` for each line longer than
 * `maxLineBytes`. `onEnd()` runs at end of input; a final unterminated line is delivered
 * first.
 */
export function splitLines(readable, { maxLineBytes, onLine, onOverflow = () => {}, onEnd = () => {} }) {
  let pending = [];     // Buffers of the current, incomplete line
  let pendingBytes = 0;
  let dropping = false; // inside an over-long line: discard until the next '\n'
  let droppedBytes = 0;

  const finishLine = () => {
    if (dropping) {
      onOverflow(droppedBytes);
    } else {
      let text = Buffer.concat(pending, pendingBytes).toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      onLine(text);
    }
    pending = [];
    pendingBytes = 0;
    dropping = false;
    droppedBytes = 0;
  };

  readable.on('data', (chunk) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (dropping) {
        droppedBytes += piece.length;
      } else if (pendingBytes + piece.length > maxLineBytes) {
        dropping = true;
        droppedBytes = pendingBytes + piece.length;
        pending = [];
        pendingBytes = 0;
      } else if (piece.length > 0) {
        pending.push(Buffer.from(piece)); // copy: the chunk's memory may be reused
        pendingBytes += piece.length;
      }
      if (newline === -1) break;
      finishLine();
      start = newline + 1;
    }
  });
  readable.on('end', () => {
    if (pendingBytes > 0 || dropping) finishLine();
    onEnd();
  });
}
