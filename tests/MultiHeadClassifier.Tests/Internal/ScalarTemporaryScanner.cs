using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace MultiHeadClassifier.Tests.Internal;

/// <summary>
/// Finds, in compiled IL, the places where a TorchSharp <see cref="Scalar"/> is made as a temporary that nothing keeps
/// alive while libtorch reads it. TorchSharp's <c>Scalar</c> has a finalizer that frees its native handle, and its
/// methods pass <c>scalar.Handle</c> (an <see cref="IntPtr"/>) to native code without <c>GC.KeepAlive</c>, so a
/// temporary may be finalized on the finalizer thread while the native call still uses it.
/// </summary>
/// <remarks>
/// Two kinds of site are reported:
/// <list type="bullet">
/// <item>a call to <c>Scalar.op_Implicit</c> or <c>ToScalar</c> whose result is not stored into a field, or into a
/// local of a method that also disposes a Scalar or calls <see cref="GC.KeepAlive"/> (the <c>using var s = k.ToScalar()</c>
/// pattern);</item>
/// <item>a call to a TorchSharp method that itself makes such a temporary (found by scanning TorchSharp's own IL the
/// same way, transitively through TorchSharp's internal calls), e.g. <c>add_(Tensor)</c>, which calls
/// <c>add_(target, 1)</c>.</item>
/// </list>
/// It reads the IL the compiler produced, so it sees conversions the source does not spell out.
/// </remarks>
internal static class ScalarTemporaryScanner
{
    private const BindingFlags AllDeclared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly Lazy<HashSet<(Module Module, int Token)>> HiddenTorchSharpMethods = new(FindHiddenTorchSharpMethods);

    /// <summary>One call site: the method that contains it, the IL offset, and what it calls.</summary>
    public sealed record Site(MethodBase Caller, int Offset, MethodBase Callee)
    {
        /// <inheritdoc />
        public override string ToString() =>
            $"{Caller.DeclaringType?.FullName}.{Caller.Name} at IL_{Offset:x4} calls {Callee.DeclaringType?.Name}.{Callee.Name}({string.Join(", ", Callee.GetParameters().Select(p => p.ParameterType.Name))})";
    }

    /// <summary>Every site in <paramref name="assembly"/> that makes a Scalar temporary, directly or through TorchSharp.</summary>
    public static IReadOnlyList<Site> Scan(Assembly assembly) => Scan(MethodsOf(assembly));

    /// <summary>Every site in the methods and constructors <paramref name="type"/> declares (not its nested types).</summary>
    public static IReadOnlyList<Site> Scan(Type type) => Scan(MethodsOf(type));

    private static IReadOnlyList<Site> Scan(IEnumerable<MethodBase> methods)
    {
        var hidden = HiddenTorchSharpMethods.Value;
        var sites = new List<Site>();
        foreach (var method in methods)
        {
            var calls = Calls(method).ToList();
            bool managesLifetime = calls.Any(c => IsScalarDispose(c.Callee) || IsKeepAlive(c.Callee));
            foreach (var call in calls)
            {
                if (IsScalarFactory(call.Callee) && !IsHeld(call.Next, managesLifetime))
                {
                    sites.Add(new Site(method, call.Offset, call.Callee));
                }
                else if (hidden.Contains(Key(call.Callee)))
                {
                    sites.Add(new Site(method, call.Offset, call.Callee));
                }
            }
        }

        return sites;
    }

    /// <summary>The TorchSharp methods that make a Scalar temporary themselves, directly or through other TorchSharp methods.</summary>
    public static IReadOnlyCollection<MethodBase> HiddenScalarMethods() =>
        [.. MethodsOf(typeof(Scalar).Assembly).Where(m => HiddenTorchSharpMethods.Value.Contains(Key(m)))];

    private static HashSet<(Module, int)> FindHiddenTorchSharpMethods()
    {
        var torchSharp = typeof(Scalar).Assembly;
        var callers = new Dictionary<(Module, int), List<(Module, int)>>();
        var hidden = new HashSet<(Module, int)>();
        foreach (var method in MethodsOf(torchSharp))
        {
            var calls = Calls(method).ToList();
            bool managesLifetime = calls.Any(c => IsScalarDispose(c.Callee) || IsKeepAlive(c.Callee));
            if (calls.Any(c => IsScalarFactory(c.Callee) && !IsHeld(c.Next, managesLifetime)) && !IsScalarFactory(method))
            {
                hidden.Add(Key(method));
            }

            foreach (var call in calls.Where(c => c.Callee.Module == torchSharp.ManifestModule))
            {
                var callee = Key(call.Callee);
                if (!callers.TryGetValue(callee, out var list))
                {
                    callers[callee] = list = [];
                }

                list.Add(Key(method));
            }
        }

        // Whatever calls a hidden method within TorchSharp hides one too.
        var pending = new Queue<(Module, int)>(hidden);
        while (pending.TryDequeue(out var method))
        {
            foreach (var caller in callers.GetValueOrDefault(method) ?? [])
            {
                if (hidden.Add(caller))
                {
                    pending.Enqueue(caller);
                }
            }
        }

        return hidden;
    }

    private static bool IsScalarFactory(MethodBase method) =>
        method is MethodInfo info && info.ReturnType == typeof(Scalar) && method.IsStatic
        && (method.Name == "op_Implicit" && method.DeclaringType == typeof(Scalar)
            || method.Name == nameof(ScalarExtensionMethods.ToScalar) && method.DeclaringType == typeof(ScalarExtensionMethods));

    private static bool IsScalarDispose(MethodBase method) => method.DeclaringType == typeof(Scalar) && method.Name == nameof(IDisposable.Dispose)
        || method.DeclaringType == typeof(IDisposable) && method.Name == nameof(IDisposable.Dispose);

    private static bool IsKeepAlive(MethodBase method) => method.DeclaringType == typeof(GC) && method.Name == nameof(GC.KeepAlive);

    /// <summary>Whether the instruction after a factory call keeps its Scalar: a field store, or a local the method disposes.</summary>
    private static bool IsHeld(OpCode next, bool managesLifetime) =>
        next == OpCodes.Stsfld || next == OpCodes.Stfld
        || managesLifetime && (next == OpCodes.Stloc || next == OpCodes.Stloc_S || next == OpCodes.Stloc_0
            || next == OpCodes.Stloc_1 || next == OpCodes.Stloc_2 || next == OpCodes.Stloc_3);

    private static (Module, int) Key(MethodBase method) => (method.Module, method.MetadataToken);

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        return types.SelectMany(MethodsOf);
    }

    private static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(AllDeclared).Cast<MethodBase>().Concat(type.GetConstructors(AllDeclared));

    private readonly record struct Call(int Offset, MethodBase Callee, OpCode Next);

    private static IEnumerable<Call> Calls(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException)
        {
            il = null;
        }

        if (il is null)
        {
            yield break;
        }

        Type[] typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : [];
        Type[] methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : [];
        var pending = new List<(int Offset, MethodBase Callee)>();
        int position = 0;
        while (position < il.Length)
        {
            int offset = position;
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var opCode = OpCodesByValue[value];
            foreach (var call in pending)
            {
                yield return new Call(call.Offset, call.Callee, opCode);
            }

            pending.Clear();
            int operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or MissingMethodException or FileNotFoundException)
                {
                    callee = null;
                }

                if (callee is not null)
                {
                    pending.Add((offset, callee));
                }
            }

            position += operandSize;
        }

        foreach (var call in pending)
        {
            yield return new Call(call.Offset, call.Callee, OpCodes.Nop);
        }
    }
}
