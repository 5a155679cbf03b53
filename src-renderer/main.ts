import { createApp } from 'vue';
import App from './App.vue';
import './styles/base.css';
import { startUrlState } from './composables/useUrlState.ts';

createApp(App).mount('#app');
// View, model, checkpoint, selection, query form and open answer live in the address (issue 15.7).
startUrlState();
