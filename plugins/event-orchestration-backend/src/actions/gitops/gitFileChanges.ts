import { ManifestEdit } from './editManifests';
import {
  readRepositoryFile,
  safeRepositoryPath,
  writeRepositoryFile,
} from './repositoryPaths';
import {
  GitChangeResult,
  GitStepOptions,
  commitChange,
  redactRemote,
  refuseLinkEntry,
} from './gitWorkingCopy';

/** Changes one file with an edit function, through `commitChange`. */
export async function commitFileChange(
  options: GitStepOptions & {
    file: string;
    edit: (text: string) => ManifestEdit;
    message: string;
  },
): Promise<GitChangeResult> {
  const file = safeRepositoryPath(options.file);
  const shown = redactRemote(options.repository);
  return commitChange({
    ...options,
    change: async ({ dir, branch, git: inRepo }) => {
      await refuseLinkEntry(inRepo, file);
      const text = await readRepositoryFile(dir, file);
      if (text === undefined)
        throw new Error(`file '${file}' does not exist in ${shown}@${branch}`);
      const edit = options.edit(text);
      if (edit.changes.length === 0) return { changes: [] };
      await writeRepositoryFile(dir, file, edit.text);
      await inRepo(['add', '--', file]);
      return { changes: edit.changes };
    },
  });
}

/** One file to write: its path inside the repository and its whole content. */
export interface FileToCommit {
  path: string;
  content: string;
}

/** Checks a commit-files request: paths inside the repository, each once. */
export function checkFilesToCommit(files: FileToCommit[]): FileToCommit[] {
  const seen = new Set<string>();
  return files.map(f => {
    const file = safeRepositoryPath(f.path);
    if (seen.has(file)) throw new Error(`file '${file}' is given twice`);
    seen.add(file);
    return { path: file, content: f.content };
  });
}

/**
 * Writes whole files (created or replaced) as one commit, through
 * `commitChange`: files whose content is already as given are left alone, and
 * when all are, nothing is committed.
 */
export async function commitFiles(
  options: GitStepOptions & {
    files: FileToCommit[];
    message: string;
  },
): Promise<GitChangeResult & { files: string[] }> {
  const wanted = checkFilesToCommit(options.files);
  let written: string[] = [];
  const result = await commitChange({
    ...options,
    change: async ({ dir, git: inRepo }) => {
      const changes: string[] = [];
      written = [];
      for (const file of wanted) {
        await refuseLinkEntry(inRepo, file.path);
        const existing = await readRepositoryFile(dir, file.path);
        if (existing === file.content) continue;
        await writeRepositoryFile(dir, file.path, file.content);
        await inRepo(['add', '--', file.path]);
        changes.push(`${existing === undefined ? 'A' : 'M'} ${file.path}`);
        written.push(file.path);
      }
      return { changes };
    },
  });
  // An earlier attempt's commit: its message lists the files ("A path", "M path").
  const files = result.stepCommitMessage
    ? changedPaths(result.stepCommitMessage)
    : written;
  return {
    commitSha: result.commitSha,
    changed: result.changed,
    url: result.url,
    files: result.changed ? files : [],
  };
}

/** The paths of the "A path" / "M path" lines of a commit message. */
export function changedPaths(message: string): string[] {
  return message
    .split('\n')
    .filter(line => /^[AM] \S/.test(line))
    .map(line => line.slice(2));
}
