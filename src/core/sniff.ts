/**
 * What a file that should hold data really holds: failed downloads and unfetched Git LFS files are the commonest
 * bad inputs, and every reader refuses them with its own message.
 */
const LFS_PREFIX = 'version https://git-lfs.github.com/spec/';

export function isGitLfsPointer(head: string | Uint8Array): boolean {
  const s = typeof head === 'string' ? head : Buffer.from(head.subarray(0, LFS_PREFIX.length)).toString('latin1');
  return s.startsWith(LFS_PREFIX);
}

export function isHtmlPage(head: string | Uint8Array): boolean {
  const s = typeof head === 'string' ? head : Buffer.from(head.subarray(0, 200)).toString('utf8');
  return /^\s*<(!doctype|html)/i.test(s);
}
