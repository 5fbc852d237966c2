// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// TSX: DOM XSS and client-side redirects in a typed component.
import { useEffect } from 'react';

export function Preview({ html }: { html: string }) {
  const fromUrl: string = new URLSearchParams(window.location.search).get('preview') ?? '';
  useEffect(() => {
    const el = document.querySelector<HTMLDivElement>('#preview')!;
    // ruleid: js/xss
    el.innerHTML = `<section>${fromUrl}</section>`;
  }, [fromUrl]);
  // props are the parent's business, not a source
  // ok: js/xss
  return <div dangerouslySetInnerHTML={{ __html: html }} />;
}

export function goBack(): void {
  const ret = new URL(location.href).searchParams.get('return');
  if (ret) {
    // ruleid: js/open-redirect
    window.location.replace(ret);
  }
}
