/** A new conversation; the chat itself is rendered by the (chat) layout. */
export default function NewConversationPage() {
  return null;
}
