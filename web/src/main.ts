import { mount } from 'svelte';
import App from './App.svelte';
import Wall from './wall/Wall.svelte';
import './app.css';

// `/wall` is the chrome-less NOC wall; everything else is the dashboard.
const Root = location.pathname.replace(/\/+$/, '') === '/wall' ? Wall : App;
mount(Root, { target: document.getElementById('app')! });
