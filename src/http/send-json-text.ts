import type { Response } from 'express';

/**
 * A body that is already JSON text, with the headers res.json would send. Written directly: res.send
 * parses and re-formats the Content-Type on every call, which is all it would add here (ETags are
 * off, and Node leaves the body out of a HEAD response itself).
 */
export function sendJsonText(res: Response, json: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
