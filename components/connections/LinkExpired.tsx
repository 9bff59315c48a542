/** What a connect popup says when its link is expired, tampered with or someone else's. */
export function LinkExpired() {
  return (
    <div role="alert" className="mt-3">
      <p className="font-semibold">This link has expired</p>
      <p className="mt-2 text-sm text-muted-foreground">
        Connect links are valid for a few minutes and only for the person they were made for. Ask
        the assistant to try the tool again to get a fresh link.
      </p>
    </div>
  );
}
