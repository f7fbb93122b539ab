// Completion of an `image:` value from the engine's local images, for the YAML editor. Pure:
// it needs only what CodeMirror's CompletionContext offers (matchBefore, explicit).
export interface CompletionContextLike {
  explicit: boolean;
  matchBefore(expr: RegExp): { from: number; to: number; text: string } | null;
}

export interface ImageCompletions {
  from: number;
  options: { label: string; type: string; detail: string }[];
  validFor: RegExp;
}

const IMAGE_VALUE = /\bimage:[ \t]*["']?[^\s"'#]*$/;
const KEY = /^image:[ \t]*["']?/;

export function imageCompletions(images: () => readonly string[]) {
  return (context: CompletionContextLike): ImageCompletions | null => {
    const found = context.matchBefore(IMAGE_VALUE);
    const offered = images();
    if (!found || offered.length === 0) return null;
    return {
      from: found.from + KEY.exec(found.text)![0].length,
      options: offered.map((label) => ({ label, type: 'constant', detail: 'local image' })),
      validFor: /^[^\s"'#]*$/,
    };
  };
}
