import type { RequestHandler } from 'express';

/** Each way a handler can fail in Express 5, with the message its error carries: for `it.each`. */
export const failingHandlers: Array<[string, RequestHandler, string]> = [
  ['passes an error to next', (_req, _res, next) => next(new Error('passed')), 'passed'],
  [
    'throws',
    () => {
      throw new Error('thrown');
    },
    'thrown',
  ],
  [
    'rejects',
    async () => {
      throw new Error('rejected');
    },
    'rejected',
  ],
];
