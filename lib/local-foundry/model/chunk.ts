/**
 * Splits text into chunks of a few words, keeping every character (spaces and newlines ride
 * with the word before them), so that joining the chunks gives the text back exactly.
 */
export function chunkText(text: string, wordsPerChunk = 3): string[] {
  const lead = /^\s*/.exec(text)?.[0] ?? "";
  const words = text.slice(lead.length).match(/\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) {
    chunks.push(words.slice(i, i + wordsPerChunk).join(""));
  }
  if (lead) {
    if (chunks.length === 0) chunks.push(lead);
    else chunks[0] = lead + chunks[0];
  }
  return chunks;
}
