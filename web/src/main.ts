import { mount } from 'svelte';
import App from './App.svelte';
import Wall from './wall/Wall.svelte';
import './app.css';

// `/wall` is the chrome-less NOC wall; everything else is the dashboard.
const isWall = location.pathname.replace(/\/+$/, '') === '/wall';
// Only the wall forbids scrolling; the dashboard scrolls like any page.
document.documentElement.classList.toggle('wall-mode', isWall);
const Root = isWall ? Wall : App;
mount(Root, { target: document.getElementById('app')! });
