// Loads something from the API for a page, again whenever `key` changes.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { asProblem, type ApiProblem } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  problem: ApiProblem | undefined;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>();
  const [problem, setProblem] = useState<ApiProblem | undefined>();
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load()
      .then((value) => {
        if (!current) return;
        setData(value);
        setProblem(undefined);
      })
      .catch((error: unknown) => {
        if (!current) return;
        setProblem(asProblem(error));
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
    // `load` is a new closure each render; `key` says when what it loads changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, round]);
  return { data, problem, loading, reload: useCallback(() => setRound((r) => r + 1), []) };
}
