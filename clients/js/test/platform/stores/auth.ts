// The platform's auth store as ../shared/FRONTEND.md describes it (stores/auth.ts), so that the
// store example runs against the names it will meet.
import { defineStore } from "pinia";
import { computed, ref } from "vue";

export interface User {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

export const useAuthStore = defineStore("auth", () => {
  const token = ref<string | null>(null);
  const user = ref<User | null>(null);
  const isAuthenticated = computed(() => token.value !== null);
  function setAuth(t: string, u: User) {
    token.value = t;
    user.value = u;
  }
  function clearAuth() {
    token.value = null;
    user.value = null;
  }
  return { token, user, isAuthenticated, setAuth, clearAuth };
});
