/**
 * The "Network path" section of a network reachability finding (issue 16): what is open from where,
 * the path hop by hop, the load balancer or the listening processes, and the analysis's own
 * explanation line.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { withQuery } from '../../api.ts';
import type { NetworkReachability } from '../../types.ts';
import { Fields } from '../common.tsx';
import { componentLabel, familyLabel, openText, protocolLabel, rangeText, shortComponentId, sourceLabel } from './labels.ts';

/** a socket's wildcard address says nothing about where the traffic arrives */
const WILDCARDS = new Set(['0.0.0.0', '::', '*']);

export function PathChain({ steps, family }: { steps: NetworkReachability['networkPath']['steps']; family?: NetworkReachability['addressFamily'] }) {
  return (
    <ol className="net-path" aria-label="Network path, from the internet to the resource">
      <li className="net-step net-origin">
        <span className="net-step-type">Internet</span>
        <span className="net-step-id mono">{family === 'ipv6' ? '::/0' : family === 'ipv4' ? '0.0.0.0/0' : 'any address'}</span>
      </li>
      {steps.map((s, i) => (
        <li key={`${i}-${s.componentType}-${s.componentId}`} className="net-step" data-component-type={s.componentType}>
          <span className="net-arrow" aria-hidden="true">→</span>
          <span className="net-step-box" title={`${s.componentType} ${s.componentId}`}>
            <span className="net-step-type">{componentLabel(s.componentType)}</span>
            <span className="net-step-id mono">{shortComponentId(s.componentId)}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}

export function NetworkPathSection({ n }: { n: NetworkReachability }) {
  const lb = n.loadBalancer;
  return (
    <>
      <p className="net-open" data-testid="network-open">
        <strong>{openText(n.protocol, n.openPortRange)}</strong>{n.instanceId ? <> on <span className="mono">{n.instanceId}</span></> : null} is reachable from the internet over {n.addressFamily === 'ipv6' ? 'IPv6' : 'IPv4'}
        {lb ? <> through the load balancer <strong className="mono">{shortComponentId(lb.arn)}</strong> (listener {lb.listenerProtocol} {lb.listenerPort}{n.destination ? <> at <span className="mono">{n.destination}</span></> : null})</>
          : n.destination && !WILDCARDS.has(n.destination) ? <> at <span className="mono">{n.destination}</span></> : null}.
      </p>
      <Fields items={[
        ['Protocol', protocolLabel(n.protocol)],
        [n.protocol === 'icmp' || n.protocol === 'icmpv6' ? 'Open ICMP types' : n.protocol === 'ip' ? 'Open protocol numbers' : 'Open port range', <span key="r" className="mono">{rangeText(n.openPortRange)}</span>],
        ['Address family', familyLabel(n.addressFamily)],
        ['Sources', <span key="s" className="mono">{n.sources.length ? n.sources.join(', ') : '—'}</span>],
        ...(n.sourcesExcept?.length ? [['Except from', <span key="x" className="mono">{n.sourcesExcept.join(', ')}</span>] as [string, ReactNode]] : []),
        ['Destination', n.destination ? <span key="d" className="mono">{n.destination}</span> : '—'],
        ['Found from', sourceLabel(n.source)],
        ...(n.topology ? [['Topology', <Link key="t" to={withQuery('/network', { topology: n.topology })}>{n.topology}</Link>] as [string, ReactNode]] : []),
        ...(n.instanceId ? [['EC2 instance', <span key="i" className="mono">{n.instanceId}</span>] as [string, ReactNode]] : []),
      ]} />

      <h3 className="net-sub">Path</h3>
      {n.networkPath.steps.length ? <PathChain steps={n.networkPath.steps} family={n.addressFamily} /> : <p className="muted">The analysis recorded no hops.</p>}
      {n.explanation ? <p className="net-explanation" data-testid="network-explanation">{n.explanation}</p> : null}

      {lb ? (
        <>
          <h3 className="net-sub">Load balancer</h3>
          <Fields items={[
            ['Load balancer', <span key="n" className="mono" title={lb.arn}>{shortComponentId(lb.arn)}</span>],
            ['Listener', <span key="l" className="mono">{lb.listenerProtocol} {lb.listenerPort}</span>],
            ['Target health', lb.targetHealth ? <span key="h" className={lb.targetHealth === 'healthy' ? 'status-ok' : lb.targetHealth === 'unhealthy' ? 'status-bad' : undefined}>{lb.targetHealth}</span> : 'not reported'],
            ['ARN', <span key="a" className="mono small">{lb.arn}</span>],
          ]} />
        </>
      ) : null}

      {n.listeners?.length ? (
        <>
          <h3 className="net-sub">What listens</h3>
          <div className="table-scroll"><table className="data compact">
            <caption className="visually-hidden">Sockets listening in the open range</caption>
            <thead><tr><th scope="col">Address</th><th scope="col">Protocol</th><th scope="col">Process</th><th scope="col" className="num">PID</th><th scope="col" className="num">UID</th></tr></thead>
            <tbody>
              {n.listeners.map((l, i) => (
                <tr key={`${i}-${l.protocol}-${l.address}-${l.port}`}>
                  <td className="mono">{l.address.includes(':') ? `[${l.address}]` : l.address}:{l.port}</td>
                  <td>{l.protocol}</td>
                  <td>{l.process ? <span className="mono">{l.process}</span> : <span className="muted">unknown (not collected as root)</span>}</td>
                  <td className="num">{l.pid ?? '—'}</td>
                  <td className="num">{l.uid ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table></div>
        </>
      ) : n.source !== 'aws' ? <p className="muted small">No listening socket was reported in this range.</p> : null}
    </>
  );
}
