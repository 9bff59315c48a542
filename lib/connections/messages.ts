/**
 * How the connect popup tells the chat that a provider is now connected: a `postMessage` to its
 * opener (target origin = the app's own origin) and the same message on a BroadcastChannel (for an
 * opener the popup cannot reach, e.g. after a cross-origin navigation in between). Browser-safe.
 */
export const CONNECTED_MESSAGE_TYPE = "foundry-agent-chat:connected";
export const CONNECT_CHANNEL = "foundry-agent-chat";
/** How long "Connected" stays visible before the popup closes itself. */
export const CLOSE_AFTER_MS = 1500;

export interface ConnectedMessage {
  type: typeof CONNECTED_MESSAGE_TYPE;
  provider: string;
}

export function connectedMessage(provider: string): ConnectedMessage {
  return { type: CONNECTED_MESSAGE_TYPE, provider };
}

export function isConnectedMessage(data: unknown): data is ConnectedMessage {
  const d = data as { type?: unknown; provider?: unknown } | null;
  return (
    typeof d === "object" &&
    d !== null &&
    d.type === CONNECTED_MESSAGE_TYPE &&
    typeof d.provider === "string"
  );
}

/**
 * Whether a window `message` event is the connected message from this app's own origin. Any other
 * origin (another site that opened or framed us, a browser extension) is ignored.
 */
export function isOwnConnectedMessage(event: MessageEvent, ownOrigin: string): boolean {
  return event.origin === ownOrigin && isConnectedMessage(event.data);
}

/**
 * Tells the chat that opened this popup, and any other tab of the app (a popup whose opener was
 * cut, e.g. after a provider's pages, still reaches it over the BroadcastChannel), that
 * `provider` is connected. Browser only.
 */
export function announceConnected(provider: string): void {
  const message = connectedMessage(provider);
  const opener = window.opener as Window | null;
  if (opener) opener.postMessage(message, window.location.origin);
  if (typeof BroadcastChannel !== "undefined") {
    const channel = new BroadcastChannel(CONNECT_CHANNEL);
    channel.postMessage(message);
    channel.close();
  }
}
