export default function Home() {
  return <main className="p-8">Foundry Agent Chat</main>;
}
