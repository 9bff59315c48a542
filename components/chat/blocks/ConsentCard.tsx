import type { ConsentBlock } from "@/lib/chat/reducer";

/**
 * The agent needs the user's consent to an OAuth connection. The link opens in a popup; the
 * continue control plugs in (`actions`) once the consent capability provides it.
 */
export function ConsentCard({
  block,
  actions,
}: {
  block: ConsentBlock;
  actions?: React.ReactNode;
}) {
  const openPopup = () => {
    window.open(block.link, "consent", "popup,width=520,height=680,noopener");
  };
  return (
    <section aria-label="Consent required" className="my-2 rounded-lg border bg-card p-3 text-sm">
      <p className="font-medium">
        {block.serverLabel
          ? `${block.serverLabel} needs your permission`
          : "The agent needs your permission"}
      </p>
      {block.status === "pending" ? (
        <div className="mt-2 flex flex-wrap gap-2">
          <button
            type="button"
            onClick={openPopup}
            className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground"
          >
            Open consent page
          </button>
          {actions}
        </div>
      ) : (
        <p className="mt-1 text-xs text-muted-foreground">
          {block.status === "completed" ? "Consent given." : "No longer needed."}
        </p>
      )}
    </section>
  );
}
