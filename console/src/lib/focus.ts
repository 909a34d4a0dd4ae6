/** After the API refused a form: focus the first field it named, else the problem's alert. */
export function focusFirstProblem(form: HTMLFormElement | null): void {
  window.requestAnimationFrame(() => {
    const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>('[role="alert"]');
    if (target && !target.matches('input, select, textarea, button')) target.tabIndex = -1;
    target?.focus();
  });
}
