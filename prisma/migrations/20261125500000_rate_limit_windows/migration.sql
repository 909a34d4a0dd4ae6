-- Request counters of the rate limits, shared by every replica (src/db/rate-limit-counters.ts).
-- UNLOGGED: a counter lost in a crash only gives a caller a fresh window, and writes skip the WAL.
CREATE UNLOGGED TABLE "rate_limit_windows" (
    "key" TEXT NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,
    "hits" INTEGER NOT NULL,

    CONSTRAINT "rate_limit_windows_pkey" PRIMARY KEY ("key")
);
