import { Spinner } from "./Spinner";

/**
 * What a page shows while its data loads: the failure as an alert, or a spinner until `loaded`.
 * Renders nothing once the data is there.
 */
export function LoadState({
  error,
  loaded,
  label,
  spinnerClassName = "mt-6",
}: {
  error: string | undefined;
  loaded: boolean;
  label: string;
  spinnerClassName?: string;
}) {
  if (error)
    return (
      <p
        role="alert"
        className="mt-4 rounded-md bg-destructive/10 px-3 py-2 text-sm text-destructive"
      >
        {error}
      </p>
    );
  if (loaded) return null;
  return (
    <div className={`${spinnerClassName} flex justify-center`}>
      <Spinner label={label} />
    </div>
  );
}
