export function Spinner({
  label = "Loading",
  className = "",
}: {
  label?: string;
  className?: string;
}) {
  return (
    <span role="status" className={`inline-flex items-center gap-2 ${className}`}>
      <span
        aria-hidden
        className="size-4 animate-spin rounded-full border-2 border-muted-foreground/30 border-t-primary"
      />
      <span className="sr-only">{label}</span>
    </span>
  );
}
