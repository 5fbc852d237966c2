// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Next.js client component: the page's URL through useSearchParams, navigation through useRouter.
'use client';
import { useEffect, useState } from 'react';
import { useRouter, useSearchParams } from 'next/navigation';

export default function Page() {
  const params = useSearchParams();
  const router = useRouter();
  const [html, setHtml] = useState('');
  const next = params.get('next');
  useEffect(() => {
    fetch('/api/content').then((r) => r.text()).then(setHtml);
  }, []);
  function done() {
    // ruleid: js/open-redirect
    router.push(next);
  }
  function home() {
    // ok: js/open-redirect
    router.push('/home?from=' + encodeURIComponent(next));
  }
  return (
    <main>
      {/* ruleid: js/xss */}
      <div dangerouslySetInnerHTML={{ __html: params.get('msg') ?? '' }} />
      {/* our own API's HTML is not the URL's */}
      {/* ok: js/xss */}
      <div dangerouslySetInnerHTML={{ __html: html }} />
      {/* ok: js/xss */}
      <a href={`/search?q=${params.get('q')}`}>search</a>
      <button onClick={done}>done</button>
      <button onClick={home}>home</button>
    </main>
  );
}
