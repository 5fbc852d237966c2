/**
 * A server-side table: TanStack Table renders the columns, and sorting and paging are the API's
 * (manualSorting / manualPagination). Pages are keyset pages: the current `cursor` lives in the
 * URL, the cursors of the pages before it in `history`, so Back and shared links both work.
 */
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from '@tanstack/react-table';
import { useSearchParams } from 'react-router';
import { Empty, Loading } from './common.tsx';

export interface DataTableProps<T> {
  columns: ColumnDef<T, any>[];
  rows: T[] | undefined;
  loading?: boolean;
  /** the server's sort: column ids that may be sorted, and the current one */
  sortable?: string[];
  sort?: string;
  onSort?: (columnId: string) => void;
  onRowClick?: (row: T) => void;
  rowKey: (row: T) => string;
  empty?: string;
  caption: string;
}

export function DataTable<T>({ columns, rows, loading, sortable = [], sort, onSort, onRowClick, rowKey, empty = 'Nothing to show.', caption }: DataTableProps<T>) {
  const sorting: SortingState = sort ? [{ id: sort, desc: true }] : [];
  const table = useReactTable({
    data: rows ?? [], columns, getCoreRowModel: getCoreRowModel(), manualSorting: true, manualPagination: true,
    state: { sorting }, getRowId: (r) => rowKey(r),
  });
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => {
                const can = sortable.includes(h.column.id) && onSort;
                const active = sort === h.column.id;
                const label = flexRender(h.column.columnDef.header, h.getContext());
                return (
                  <th key={h.id} scope="col" aria-sort={active ? 'descending' : undefined} style={{ width: h.column.columnDef.size }}>
                    {can ? (
                      <button type="button" className={`th-sort${active ? ' active' : ''}`} onClick={() => onSort(h.column.id)}>
                        {label}
                        <span aria-hidden="true">{active ? ' ▾' : ' ↕'}</span>
                      </button>
                    ) : label}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr
              key={row.id}
              className={onRowClick ? 'clickable' : undefined}
              onClick={onRowClick ? (e) => {
                // links and buttons inside a row keep their own behaviour
                if ((e.target as HTMLElement).closest('a,button,input,label')) return;
                onRowClick(row.original);
              } : undefined}
            >
              {row.getVisibleCells().map((cell) => <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {loading && !rows?.length ? <Loading /> : null}
      {!loading && rows && rows.length === 0 ? <Empty>{empty}</Empty> : null}
    </div>
  );
}

/**
 * Keyset paging state in the URL: `cursor` (this page) and `pages` (the cursors before it, so
 * "Previous" needs no request the server could not answer).
 */
export function useCursor() {
  const [params, setParams] = useSearchParams();
  const cursor = params.get('cursor') ?? undefined;
  const stack = (params.get('pages') ?? '').split(' ').filter(Boolean);
  const go = (next: string | undefined, pages: string[]) => {
    const p = new URLSearchParams(params);
    if (next) p.set('cursor', next);
    else p.delete('cursor');
    if (pages.length) p.set('pages', pages.join(' '));
    else p.delete('pages');
    setParams(p);
  };
  return {
    cursor,
    pageNumber: stack.length + (cursor ? 1 : 0) + 1,
    next: (nextCursor: string) => go(nextCursor, cursor ? [...stack, cursor] : stack),
    previous: () => (cursor ? go(stack[stack.length - 1], stack.slice(0, -1)) : undefined),
    hasPrevious: Boolean(cursor),
  };
}

export function Pager({ nextCursor, pager, count }: { nextCursor: string | null | undefined; pager: ReturnType<typeof useCursor>; count?: number }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={!pager.hasPrevious}>← Previous</button>
      <span>Page {pager.pageNumber}{count !== undefined ? ` · ${count} rows` : ''}</span>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>Next →</button>
    </nav>
  );
}
