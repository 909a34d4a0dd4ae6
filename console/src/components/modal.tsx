// A modal dialog on the native <dialog>: focus moves in and the page behind is inert while it is
// open, Escape closes it, and focus returns to where it was.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}

export function Modal({ title, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    dialog?.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  return (
    <dialog ref={ref} class="modal" aria-labelledby={titleId} onClose={onClose}>
      <div class="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="button-quiet" aria-label="Close" onClick={() => ref.current?.close()}>
          ×
        </button>
      </div>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}
