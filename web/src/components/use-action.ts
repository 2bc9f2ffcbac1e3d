import { type QueryKey, useMutation, useQueryClient } from "@tanstack/react-query";
import { useToast } from "./toast.js";
import { errorMessage } from "./ui.js";

export interface ActionOptions<TInput, TResult> {
  run: (input: TInput) => Promise<TResult>;
  /** Toast text on success; nothing when omitted. */
  success?: string | ((result: TResult, input: TInput) => string);
  invalidate?: QueryKey[];
  onSuccess?: (result: TResult, input: TInput) => void;
  /**
   * Called after a refusal has been told (toast); what the action works on is refreshed too, so a dialog can close
   * onto the current state instead of staying open on a choice the server no longer takes.
   */
  onError?: (error: Error, input: TInput) => void;
  /** Errors shown inline by the caller instead of a toast. */
  showErrorInline?: boolean;
}

/** A mutation that tells the user how it went and refreshes what it changed. */
export function useAction<TInput = void, TResult = unknown>(options: ActionOptions<TInput, TResult>) {
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation<TResult, Error, TInput>({
    mutationFn: options.run,
    onSuccess: async (result, input) => {
      if (options.success) {
        toast.success(
          typeof options.success === "function" ? options.success(result, input) : options.success,
        );
      }
      options.onSuccess?.(result, input);
      await Promise.all(
        (options.invalidate ?? []).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
    },
    onError: async (error, input) => {
      if (!options.showErrorInline) toast.error(errorMessage(error));
      if (options.onError) {
        options.onError(error, input);
        await Promise.all(
          (options.invalidate ?? []).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
        );
      }
    },
  });
}
