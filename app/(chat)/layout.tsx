import { AuthGate } from "@/components/auth/AuthGate";
import { AuthProvider } from "@/components/auth/AuthProvider";
import { ChatApp } from "@/components/chat/ChatApp";

/**
 * The chat lives in the layout so that moving between conversations (/ and /c/:id) keeps the
 * sign-in, the conversation list and the open stream instead of remounting them.
 */
export default function ChatLayout({ children }: { children: React.ReactNode }) {
  return (
    <AuthProvider>
      <AuthGate>
        <ChatApp />
        {children}
      </AuthGate>
    </AuthProvider>
  );
}
