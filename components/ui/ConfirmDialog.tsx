"use client";

import { useEffect, useRef } from "react";

/** A modal confirmation on the native <dialog> (focus trap, Escape and inert background for free). */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
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
      aria-labelledby="confirm-title"
      className="m-auto w-[min(26rem,90vw)] rounded-xl border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
    >
      <h2 id="confirm-title" className="text-base font-semibold">
        {props.title}
      </h2>
      <p className="mt-2 text-sm text-muted-foreground">{props.body}</p>
      <div className="mt-5 flex justify-end gap-2">
        <button
          type="button"
          onClick={props.onCancel}
          className="rounded-md border px-3 py-1.5 text-sm hover:bg-muted"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={props.onConfirm}
          className={`rounded-md px-3 py-1.5 text-sm font-medium ${
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
