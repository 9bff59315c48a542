"use client";

import { useCallback, useEffect, useRef } from "react";

/** Closer to the bottom than this (px) counts as "at the bottom". */
const NEAR_BOTTOM_PX = 80;

/**
 * Keeps a scroll container pinned to the newest content unless the user scrolled up to read.
 *
 * Content also grows without a render of ours (Streamdown lays out tables and code blocks in
 * steps), so the hook follows size changes of the content with a ResizeObserver, not only
 * `deps`. Only the user unpins, by moving up and away from the bottom: a scroll event that the
 * browser delivers late, after the content grew, never does (that lost answers with Markdown
 * blocks on slow devices). Scrolling back to the bottom pins again.
 *
 * Returns callback refs for the scroll container and for the element that holds the content.
 * A change of `resetKey` (the conversation) pins again.
 */
export function useStickToBottom(resetKey: unknown, deps: unknown) {
  const container = useRef<HTMLElement | null>(null);
  const pinned = useRef(true);
  /** Where our own scrolling (or the user's last scroll) left scrollTop. */
  const lastTop = useRef(0);
  const observer = useRef<ResizeObserver | null>(null);
  const observed = useRef<{ container?: HTMLElement; content?: HTMLElement }>({});

  /** Notes where the user is: up and away from the bottom unpins, at the bottom pins. */
  const track = useCallback((el: HTMLElement) => {
    const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
    if (distance < NEAR_BOTTOM_PX) pinned.current = true;
    else if (el.scrollTop < lastTop.current - 1) pinned.current = false;
    lastTop.current = el.scrollTop;
  }, []);

  const follow = useCallback(() => {
    const el = container.current;
    if (!el) return;
    // The user may have scrolled since our last move, before its scroll event arrived.
    track(el);
    if (!pinned.current) return;
    el.scrollTop = el.scrollHeight;
    lastTop.current = el.scrollTop;
  }, [track]);

  const onScroll = useCallback(() => {
    if (container.current) track(container.current);
  }, [track]);

  // A wheel turned upwards is intent enough, before any scrolling happened.
  const onWheel = useCallback((e: WheelEvent) => {
    if (e.deltaY < 0) pinned.current = false;
  }, []);

  const observe = useCallback(
    (slot: "container" | "content", node: HTMLElement | null) => {
      if (typeof ResizeObserver !== "undefined") observer.current ??= new ResizeObserver(follow);
      const previous = observed.current[slot];
      if (previous === node) return;
      if (previous) observer.current?.unobserve(previous);
      observed.current[slot] = node ?? undefined;
      if (node) observer.current?.observe(node);
    },
    [follow],
  );

  const scrollRef = useCallback(
    (node: HTMLElement | null) => {
      const previous = container.current;
      previous?.removeEventListener("scroll", onScroll);
      previous?.removeEventListener("wheel", onWheel);
      container.current = node;
      node?.addEventListener("scroll", onScroll, { passive: true });
      node?.addEventListener("wheel", onWheel, { passive: true });
      observe("container", node);
    },
    [onScroll, onWheel, observe],
  );

  const contentRef = useCallback(
    (node: HTMLElement | null) => {
      observe("content", node);
      follow();
    },
    [observe, follow],
  );

  useEffect(() => {
    pinned.current = true;
    lastTop.current = 0;
    follow();
  }, [resetKey, follow]);

  useEffect(() => {
    follow();
  }, [deps, follow]);

  useEffect(() => () => observer.current?.disconnect(), []);

  return { scrollRef, contentRef };
}
