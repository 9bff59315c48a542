/** An existing conversation; the chat itself is rendered by the (chat) layout. */
export default function ConversationPage() {
  return null;
}
