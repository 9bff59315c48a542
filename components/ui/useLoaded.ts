"use client";

import { useCallback, useEffect, useState } from "react";

/**
 * Loads `load()` when it changes and on `reload()`; `error` is the user-facing sentence of the
 * last failure (`describe`). A result that arrives after unmount or a newer load is dropped.
 */
export function useLoaded<T>(load: () => Promise<T>, describe: (err: unknown) => string) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(undefined);
    } catch (err) {
      setError(describe(err));
    }
  }, [load, describe]);

  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
      },
      (err: unknown) => live && setError(describe(err)),
    );
    return () => {
      live = false;
    };
  }, [load, describe]);

  return { data, error, setError, reload };
}
