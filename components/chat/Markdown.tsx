"use client";

import { Streamdown } from "streamdown";

/** Agent answers as Markdown (GFM tables, code blocks), rendered safely while they stream. */
export function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <div className="markdown text-[15px] leading-relaxed">
      <Streamdown isAnimating={streaming}>{text}</Streamdown>
    </div>
  );
}
