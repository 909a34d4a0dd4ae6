// An API problem in words: its detail, and the field messages no form field shows.
import type { ApiProblem } from '../lib/api.ts';

export function ProblemAlert({ problem, placedFields = [] }: { problem: ApiProblem | null | undefined; placedFields?: string[] }) {
  if (!problem) return null;
  const rest = problem.unplaced(placedFields);
  return (
    <div class="alert alert-error" role="alert">
      <p>
        <strong>{problem.title}.</strong> {problem.detail !== problem.title && problem.detail}
      </p>
      {rest.length > 0 && (
        <ul>
          {rest.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code>{e.path}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
      {problem.requestId && <p class="hint">Request id: {problem.requestId}</p>}
    </div>
  );
}
