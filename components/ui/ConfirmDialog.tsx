"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

/**
 * A modal confirmation on the native <dialog> opened with showModal(): the browser moves focus in
 * (to Cancel, the safe choice), keeps Tab inside, makes the page behind inert, closes on Escape
 * and puts focus back where it was. Labelled by its title, described by its body.
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      onClose={props.onCancel}
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      className="m-auto w-[min(26rem,90vw)] rounded-xl border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {props.title}
      </h2>
      <div id={bodyId} className="mt-2 text-sm break-words text-muted-foreground">
        {props.body}
      </div>
      <div className="mt-5 flex justify-end gap-2">
        <button
          type="button"
          onClick={props.onCancel}
          className="min-h-9 rounded-md border px-3 py-1.5 text-sm hover:bg-muted"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={props.onConfirm}
          className={`min-h-9 rounded-md px-3 py-1.5 text-sm font-medium ${
            props.destructive
              ? "bg-destructive text-destructive-foreground"
              : "bg-primary text-primary-foreground"
          }`}
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
