// The baseline: a bare Express 5 app on the same Node, in its own process, answering
// GET /hello with a small JSON body. Prints its port as JSON on stdout once listening.
import express from 'express';

const app = express();
app.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
