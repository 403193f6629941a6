'use client';
import { useCallback } from 'react';

/**
 * Drag to reorder along a row (channel strips, navigator chips) with pointer events, so it works
 * with a mouse, a pen or a finger alike. The item under the pointer gets `data-drop="before"` or
 * `"after"` as the insertion mark; near the row's edges it scrolls. Returns the pointerdown
 * handler for an item's handle; `onDrop` gets the index among the *other* items to insert at.
 * `wrapped`: the items flow over several lines (navigator chips), so the line under the pointer counts too.
 */
export function useReorderDrag(container: React.RefObject<HTMLElement | null>, itemSelector: string, onDrop: (id: string, toIndex: number) => void, wrapped = false) {
  return useCallback(
    (e: React.PointerEvent<HTMLElement>, id: string) => {
      const row = container.current;
      if (e.button !== 0 || !row) return;
      const handle = e.currentTarget;
      const startX = e.clientX;
      let dragging = false;
      let to = -1;
      let marked: HTMLElement | null = null;
      const others = () => [...row.querySelectorAll<HTMLElement>(itemSelector)].filter((el) => el.dataset.channelId !== id);
      const mark = (el: HTMLElement | null, where: 'before' | 'after') => {
        if (marked && marked !== el) delete marked.dataset.drop;
        marked = el;
        if (el) el.dataset.drop = where;
      };
      const move = (ev: PointerEvent) => {
        if (!dragging && Math.abs(ev.clientX - startX) < 5) return;
        if (!dragging) {
          dragging = true;
          row.classList.add('reordering');
        }
        const rect = row.getBoundingClientRect();
        if (wrapped) {
          if (ev.clientY < rect.top + 6) row.scrollTop -= 8;
          else if (ev.clientY > rect.bottom - 6) row.scrollTop += 8;
        } else if (ev.clientX < rect.left + 32) row.scrollLeft -= 16;
        else if (ev.clientX > rect.right - 32) row.scrollLeft += 16;
        const items = others();
        // Items are in reading order: the first one the pointer is before is where it goes.
        to = items.findIndex((el) => {
          const r = el.getBoundingClientRect();
          if (wrapped && ev.clientY < r.top) return true;
          if (wrapped && ev.clientY > r.bottom) return false;
          return ev.clientX < r.left + r.width / 2;
        });
        if (to < 0) to = items.length;
        if (to < items.length) mark(items[to], 'before');
        else mark(items[items.length - 1] ?? null, 'after');
      };
      const end = (ev: PointerEvent) => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', end);
        handle.removeEventListener('pointercancel', end);
        mark(null, 'before');
        row.classList.remove('reordering');
        if (!dragging) return;
        // The click that ends a drag is not a click on the handle (a chip would jump, a name would open).
        // It follows pointerup in the same input task, so the listener goes away on the next one.
        const stopClick = (c: Event) => {
          c.stopPropagation();
          c.preventDefault();
        };
        handle.addEventListener('click', stopClick, { capture: true, once: true });
        setTimeout(() => handle.removeEventListener('click', stopClick, { capture: true }), 0);
        if (ev.type === 'pointerup' && to >= 0) onDrop(id, to);
      };
      handle.setPointerCapture(e.pointerId);
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', end);
      handle.addEventListener('pointercancel', end);
    },
    [container, itemSelector, onDrop, wrapped],
  );
}
